// How a built CLI carries its bundle: in a comment at the end of its own file (see embed.ts for why).
// The bundle's own "*/" are written as the sentinel and put back when the bootstrap reads it.

export const bundleMarker = "/*__AWS_HA_BUNDLE__\n";
export const commentEnd = "\n*/";
export const commentEndSentinel = "*__AWS_HA_COMMENT_END__/";

/** The bundle, out of the text of the file that carries it. */
export function bundleOf(fileText: string): string {
  const body = fileText.slice(fileText.lastIndexOf(bundleMarker) + bundleMarker.length, fileText.lastIndexOf(commentEnd));
  return body.includes(commentEndSentinel) ? body.replaceAll(commentEndSentinel, "*/") : body;
}
