// A canonical document part (a base64 data: URL or an http(s) URL) in OpenAI's input_file
// spelling: inline data goes as file_data with a filename (OpenAI requires one for file_data),
// a remote document as file_url. Shared by the OpenAI Responses adapter and the Responses
// input_items listing so both spell a document the same way.

/** The input_file fields for a document URL; `title` becomes the filename when it has one. */
export function documentFile(url: string, title?: string): { file_data: string; filename: string } | { file_url: string } {
  if (!url.startsWith('data:')) return { file_url: url };
  const ext = /^data:application\/pdf[;,]/i.test(url) ? '.pdf' : '';
  const base = title && title.trim() !== '' ? title.trim().replace(/[\\/]/g, '_') : 'document';
  return { file_data: url, filename: base.toLowerCase().endsWith(ext) ? base : base + ext };
}
