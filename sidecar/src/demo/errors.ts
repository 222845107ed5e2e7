/** AWS-shaped errors: awsJson1_1 answers `{__type, message}` with x-amzn-errortype; awsQuery answers XML. */

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message);
export const throttling = (): AwsError => new AwsError('ThrottlingException', 'Rate exceeded');
export const serverError = (message = 'Internal server error (injected by the emulator)'): AwsError =>
  new AwsError('ServerException', message, 500);

export const repositoryNotFound = (name: string, registryId: string): AwsError =>
  new AwsError(
    'RepositoryNotFoundException',
    `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
  );
