/** Where a generation's image is kept in media storage (a cache hit shows its source generation's). */
export function generationImageKey(generationId: string, mimeType: string | undefined): string {
  const extension = mimeType === 'image/jpeg' ? 'jpg' : mimeType === 'image/webp' ? 'webp' : 'png';
  return `generations/${generationId}.${extension}`;
}
