import net from 'node:net';
import { ErrorCodes } from '@notify/runtime';
import type { Dispatch } from '@notify/schemas';
import { expect, it } from 'vitest';
import { closedPort, expectProviderError } from './dispatch.fixture.js';
import type { ProviderAdapter, SendContext } from './provider-adapter.js';

/** The transport failures every AWS adapter maps alike: an endpoint that never answers, and none at all. */
export function itMapsAwsTransportFailures(
  service: string,
  adapterAt: (endpoint: string) => ProviderAdapter & { close(): Promise<void> },
  message: () => Dispatch,
  ctx: SendContext,
): void {
  it(`times out when ${service} answers later than the budget`, async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const slow = adapterAt(`http://127.0.0.1:${port}`);
    const started = Date.now();
    try {
      await expectProviderError(slow.send(message(), { ...ctx, timeoutMs: 150 }), {
        code: ErrorCodes.PROVIDER_TIMEOUT,
        canRetry: true,
      });
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await slow.close();
      silent.close();
    }
  });

  it('treats an unreachable endpoint as transient', async () => {
    const nowhere = adapterAt(`http://127.0.0.1:${await closedPort()}`);
    await expectProviderError(nowhere.send(message(), ctx), {
      code: ErrorCodes.PROVIDER_UNAVAILABLE,
      canRetry: true,
    });
    await nowhere.close();
  });
}
