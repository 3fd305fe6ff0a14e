import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListRoute {
  readonly status?: number;
  readonly body?: string;
  /**
   * Never answers (until the server closes): a test of the fetch timeout then either sees
   * the timeout or hangs until the test's own limit fails it, with no clock to compare.
   */
  readonly neverAnswers?: boolean;
  readonly redirectTo?: string;
}

/** A reputation-list server on 127.0.0.1 whose routes a test changes between runs. */
export interface ListServer {
  readonly baseUrl: string;
  readonly routes: Map<string, ListRoute>;
  /** Paths requested so far, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startListServer(): Promise<ListServer> {
  const routes = new Map<string, ListRoute>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const route = routes.get(path) ?? { status: 404, body: 'not found' };
    const respond = () => {
      if (route.redirectTo) {
        response.writeHead(302, { location: route.redirectTo }).end();
        return;
      }
      response.writeHead(route.status ?? 200, { 'content-type': 'text/plain' }).end(route.body ?? '');
    };
    if (!route.neverAnswers) respond();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    routes,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
