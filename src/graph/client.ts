import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type * as AzureTokenCredentials from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';

type GraphLibrary = typeof import('@microsoft/microsoft-graph-client');
let library: GraphLibrary | undefined;
/**
 * The Graph client library, loaded when Graph is first configured or used: a service without Graph
 * (the embedded default, the Playground) never needs it, and it took about 15 ms of every start.
 */
export const graphLibrary = (): GraphLibrary => (library ??= require('@microsoft/microsoft-graph-client') as GraphLibrary);

/**
 * The one Microsoft Graph client. `baseUrl` is https://graph.microsoft.com in production; tests point
 * it at a local fake on loopback. The client attaches the token only to https Graph hosts.
 */
export interface GraphOptions {
  baseUrl: string;
  credential: TokenCredential;
}

export function createGraphClient(options: GraphOptions): Client {
  const { TokenCredentialAuthenticationProvider } = require('@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials') as typeof AzureTokenCredentials;
  const authProvider = new TokenCredentialAuthenticationProvider(options.credential, { scopes: ['https://graph.microsoft.com/.default'] });
  return graphLibrary().Client.initWithMiddleware({ authProvider, baseUrl: options.baseUrl.replace(/\/+$/, '') + '/', defaultVersion: 'v1.0' });
}

/** Graph did not answer, or answered with an error: whatever asked must refuse, never grant. */
export class GraphUnavailable extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
  ) {
    super(`Microsoft Graph ${operation} failed${status ? ` with ${status}` : ''}`);
    this.name = 'GraphUnavailable';
  }
}
