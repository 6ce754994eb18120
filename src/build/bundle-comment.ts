// How a built CLI carries its bundle: in a comment at the end of its own file (see embed.ts for why),
// the whole body of a function that is never called, so that the bootstrap gets the text back from
// V8 (the function's source) instead of reading and decoding the file a second time.
// The bundle's own "*/" are written as the sentinel and put back when the bootstrap reads it.

/** The function whose body is the comment. */
export const bundleHolder = "__AWS_HA_BUNDLE_TEXT__";
/**
 * The bundle rides already wrapped as a CommonJS module's function, so that the text V8 compiles is
 * a view of the file's own text: no copy of a megabyte to make (and collect) on every start.
 */
export const moduleWrapperStart = "(function (exports, require, module, __filename, __dirname) {";
export const moduleWrapperEnd = "\n})";
export const bundleMarker = "/*__AWS_HA_BUNDLE__\n";
export const commentEnd = "\n*/";
export const commentEndSentinel = "*__AWS_HA_COMMENT_END__/";

/** The bundle, out of the text of the file (or of the function) that carries it. */
export function bundleOf(fileText: string): string {
  const body = fileText.slice(fileText.lastIndexOf(bundleMarker) + bundleMarker.length, fileText.lastIndexOf(commentEnd));
  return body.includes(commentEndSentinel) ? body.replaceAll(commentEndSentinel, "*/") : body;
}
