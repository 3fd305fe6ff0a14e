import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListRoute {
  readonly status?: number;
  readonly body?: string;
  /** Holds the response back this long (tests of the fetch timeout). */
  readonly delayMs?: number;
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
  const timers = new Set<NodeJS.Timeout>();
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
    if (!route.delayMs) return respond();
    const timer = setTimeout(() => {
      timers.delete(timer);
      respond();
    }, route.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    routes,
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
