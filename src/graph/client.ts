import type { TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';

/**
 * The one Microsoft Graph client. `baseUrl` is https://graph.microsoft.com in production; tests point
 * it at a local fake on loopback. The client attaches the token only to https Graph hosts.
 */
export interface GraphOptions {
  baseUrl: string;
  credential: TokenCredential;
}

export function createGraphClient(options: GraphOptions): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(options.credential, { scopes: ['https://graph.microsoft.com/.default'] });
  return Client.initWithMiddleware({ authProvider, baseUrl: options.baseUrl.replace(/\/+$/, '') + '/', defaultVersion: 'v1.0' });
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
