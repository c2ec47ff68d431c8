import { ConfigError, ProviderError } from '@notify/runtime';
import type { Provider } from '@notify/schemas';
import { fromAwsError } from './aws-errors.js';
import type { SendResult } from './provider-adapter.js';

/** Where and as whom an AWS adapter calls. */
export interface AwsConnection {
  region: string;
  /** Service origin, e.g. a local emulator's; defaults to the region's AWS endpoint. */
  endpoint?: string;
  /**
   * Static credentials. Without them the SDK's default chain applies: environment, shared config and
   * profiles, web identity (EKS IRSA), ECS task role, EC2 instance role.
   */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
}

/** The options an AWS SDK v3 client is built with, for one adapter's connection. */
export function awsClientOptions(provider: string, connection: AwsConnection): AwsClientOptions {
  const { region, endpoint, accessKeyId, secretAccessKey, sessionToken } = connection;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw new ConfigError([`${provider}: set both accessKeyId and secretAccessKey, or neither`]);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
    // Retries belong to the pipeline's retry topics; retrying inside the call would hold the partition.
    maxAttempts: 1,
  };
}

/** Where the trace middleware goes: a build step runs before signing, so the header is signed too. */
export const TRACEPARENT_MIDDLEWARE = { step: 'build', name: 'notifyTraceparent' } as const;

/** Middleware handing the W3C trace context on with one command's HTTP request. */
export function traceparentMiddleware(traceparent: string) {
  return <A extends { request: unknown }, R>(next: (args: A) => Promise<R>) =>
    (args: A): Promise<R> => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers.traceparent = traceparent;
      return next(args);
    };
}

/** An AWS SDK v3 command, as far as handing on the trace context needs it. */
interface TraceableCommand {
  middlewareStack: { add(middleware: never, options: typeof TRACEPARENT_MIDDLEWARE): void };
}

/** What SES's SendEmail and SNS's Publish answer with. */
interface AwsSendOutput {
  MessageId?: string;
  $metadata: { httpStatusCode?: number };
}

/**
 * One send through an AWS SDK v3 client: the command built and sent with the trace context and the
 * deadline's abort signal, its MessageId as the provider message id, and whatever fails mapped to the
 * pipeline's provider errors.
 */
export async function sendAwsCommand<C extends TraceableCommand>(
  provider: Provider,
  call: { signal: AbortSignal; timeoutMs: number; traceparent?: string },
  build: () => C,
  send: (command: C, options: { abortSignal: AbortSignal }) => Promise<AwsSendOutput>,
): Promise<SendResult> {
  try {
    const command = build();
    if (call.traceparent) command.middlewareStack.add(traceparentMiddleware(call.traceparent) as never, TRACEPARENT_MIDDLEWARE);
    const sent = await send(command, { abortSignal: call.signal });
    if (!sent.MessageId) {
      throw ProviderError.fromStatus(provider, 502, `${provider} answered ${sent.$metadata.httpStatusCode ?? '?'} without a MessageId`);
    }
    return { providerMessageId: sent.MessageId };
  } catch (err) {
    throw fromAwsError(provider, err, call.timeoutMs);
  }
}
