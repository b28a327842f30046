/** `question:*` → every stream of the question definition; `*` → every stream; else exact. */
export function streamMatcher(pattern: string): (streamId: string) => boolean {
  if (!pattern.includes('*')) return (streamId) => streamId === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (streamId) => regex.test(streamId);
}
