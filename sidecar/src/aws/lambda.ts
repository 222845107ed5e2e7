/**
 * Lambda fetchers: I/O only, SDK shapes out. ListFunctions and ListVersionsByFunction return at most 50
 * items per page whatever MaxItems says (AWS docs), so pages are asked for 50 at a time. Every call goes
 * through the registry's limiter, a whole paginated listing counting as one slot as in the ECS fetchers.
 */
import type {
  AliasConfiguration,
  FunctionConfiguration,
  GetFunctionResponse,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  GetFunctionCommand,
  paginateListAliases,
  paginateListFunctions,
  paginateListVersionsByFunction,
} from '@aws-sdk/client-lambda';
import type { LimitFunction } from 'p-limit';

export const LAMBDA_PAGE_SIZE = 50;

export class LambdaFetcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly limit: LimitFunction,
  ) {}

  /** Every function's $LATEST configuration (PackageType tells images from zips). */
  functions(): Promise<FunctionConfiguration[]> {
    return this.limit(async () => {
      const all: FunctionConfiguration[] = [];
      for await (const page of paginateListFunctions({ client: this.client, pageSize: LAMBDA_PAGE_SIZE }, {}))
        all.push(...(page.Functions ?? []));
      return all;
    });
  }

  /** $LATEST and every published version, in the order Lambda lists them (which AWS does not promise). */
  versions(functionName: string): Promise<FunctionConfiguration[]> {
    return this.limit(async () => {
      const all: FunctionConfiguration[] = [];
      for await (const page of paginateListVersionsByFunction(
        { client: this.client, pageSize: LAMBDA_PAGE_SIZE },
        { FunctionName: functionName },
      ))
        all.push(...(page.Versions ?? []));
      return all;
    });
  }

  aliases(functionName: string): Promise<AliasConfiguration[]> {
    return this.limit(async () => {
      const all: AliasConfiguration[] = [];
      for await (const page of paginateListAliases(
        { client: this.client, pageSize: LAMBDA_PAGE_SIZE },
        { FunctionName: functionName },
      ))
        all.push(...(page.Aliases ?? []));
      return all;
    });
  }

  /** Configuration and Code (ImageUri, ResolvedImageUri) of one version or alias; `$LATEST` when no qualifier. */
  function(functionName: string, qualifier?: string): Promise<GetFunctionResponse> {
    return this.limit(() =>
      this.client.send(
        new GetFunctionCommand({ FunctionName: functionName, ...(qualifier ? { Qualifier: qualifier } : {}) }),
      ),
    );
  }
}
