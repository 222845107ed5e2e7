/** The environment an AWS client needs to use a running emulator. */
export function emulatorEnv(url: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ECR: url,
    AWS_ENDPOINT_URL_ECS: url,
    AWS_ENDPOINT_URL_LAMBDA: url,
    AWS_ENDPOINT_URL_STS: url,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'AKIAEMULATOR00000000',
    AWS_SECRET_ACCESS_KEY: 'emulator-secret-access-key',
  };
}
