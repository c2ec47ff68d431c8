import { KafkaJSConnectionError, KafkaJSProtocolError } from 'kafkajs';
import { MongoBulkWriteError, MongoNetworkError, type BulkWriteResult } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ErrorCodes, PermanentError, toFailure } from './errors.js';

describe('toFailure through the runtime', () => {
  it('classifies a store client that lost its server as an unavailable dependency', () => {
    const mongo = Object.assign(new Error('connection 14 to 127.0.0.1:27118 closed'), { name: 'MongoServerSelectionError' });
    const redis = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' });
    expect(toFailure(mongo)).toBeInstanceOf(DependencyUnavailableError);
    expect(toFailure(mongo).message).toBe('MongoDB: connection 14 to 127.0.0.1:27118 closed unavailable');
    expect(toFailure(redis)).toBeInstanceOf(DependencyUnavailableError);
    expect(toFailure(redis).message).toBe('Redis: Reached the max retries per request limit (which is 2). unavailable');
  });

  it('looks inside a bulk write that failed as a whole: a lost connection is an unavailable store', () => {
    const lost = new MongoBulkWriteError(new MongoNetworkError('connection 3 to 127.0.0.1:27118 closed'), {} as BulkWriteResult);
    expect(lost.writeErrors).toEqual([]);
    expect(toFailure(lost)).toBeInstanceOf(DependencyUnavailableError);
    expect(toFailure(lost).cause).toBe(lost.errorResponse);
    const refused = new MongoBulkWriteError({ message: 'E11000', code: 11000, writeErrors: [{ index: 0, code: 11000 }] } as never, {} as BulkWriteResult);
    expect(toFailure(refused).code).toBe(ErrorCodes.INTERNAL);
  });

  it('makes a kafkajs error that is not retriable permanent, and leaves a retriable one transient', () => {
    const unknownTopic = new KafkaJSProtocolError({ message: 'This server does not host this topic-partition', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: false } as never);
    expect(toFailure(unknownTopic)).toBeInstanceOf(PermanentError);
    expect(toFailure(unknownTopic).code).toBe(ErrorCodes.INTERNAL);
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' } as never);
    expect(toFailure(refused)).toBeInstanceOf(DependencyUnavailableError);
  });
});
