// An error the stand-in answers with: Route53's code, its message and its HTTP status.
export class Route53Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
