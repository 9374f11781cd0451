// A Google service account for the demo and the tests, generated at run time (an RSA key pair from
// node:crypto): the simulator is given the public key to verify the router's signed assertions, the
// router a key file in the service-account JSON format whose token_uri is the simulator. No private
// key is ever committed.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface DemoServiceAccount {
  clientEmail: string;
  publicKeyPem: string;
  /** The service-account JSON the router reads (credentialsFile), with its token endpoint. */
  keyFile(tokenUri: string): Record<string, string>;
}

export function demoServiceAccount(project = 'demo-project'): DemoServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `tokenrouter-demo@${project}.iam.gserviceaccount.com`;
  const privateKeyId = randomBytes(20).toString('hex');
  return {
    clientEmail,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyFile: (tokenUri) => ({
      type: 'service_account',
      project_id: project,
      private_key_id: privateKeyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: '100000000000000000001',
      token_uri: tokenUri,
    }),
  };
}
