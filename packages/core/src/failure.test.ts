import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, ErrorCodes, NotifyError, PermanentError, TransientError, ValidationError } from './errors.js';
import { registerFailureClassifier, toFailure, type FailureClassifier } from './failure.js';

describe('toFailure', () => {
  it('keeps typed errors as they are', () => {
    const err = new ValidationError([{ path: 'recipients', message: 'required' }]);
    expect(toFailure(err)).toBe(err);
  });

  it('classifies network errors as an unavailable dependency', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const failure = toFailure(err);
    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure.message).toBe('connect ECONNREFUSED unavailable');
  });

  it('treats unknown errors as transient, keeping the message', () => {
    const f = toFailure(new Error('surprise'));
    expect(f).toBeInstanceOf(TransientError);
    expect(f.message).toBe('surprise');
    expect(f.code).toBe(ErrorCodes.INTERNAL);
  });

  it('wraps non-errors', () => {
    expect(toFailure('text')).toBeInstanceOf(NotifyError);
    expect(toFailure({ a: 1 }).message).toBe('{"a":1}');
  });
});

describe('registerFailureClassifier', () => {
  const brokerDown: FailureClassifier = (err) =>
    err.name === 'BrokerDown' ? new PermanentError(ErrorCodes.INTERNAL, err.message, { cause: err }) : undefined;
  const anyBroker: FailureClassifier = (err) =>
    err.name.startsWith('Broker') ? new DependencyUnavailableError('broker', { cause: err }) : undefined;

  it('asks registered classifiers in order, before the generic rules, until it is removed', () => {
    const down = Object.assign(new Error('gone'), { name: 'BrokerDown', code: 'ECONNRESET' });
    const removeFirst = registerFailureClassifier(brokerDown);
    const removeSecond = registerFailureClassifier(anyBroker);
    try {
      expect(toFailure(down)).toBeInstanceOf(PermanentError);
      expect(toFailure(Object.assign(new Error('slow'), { name: 'BrokerSlow' }))).toBeInstanceOf(DependencyUnavailableError);
      expect(toFailure(new Error('other'))).toBeInstanceOf(TransientError);
    } finally {
      removeFirst();
      removeSecond();
    }
    expect(toFailure(down)).toBeInstanceOf(DependencyUnavailableError);
    expect(toFailure(Object.assign(new Error('slow'), { name: 'BrokerSlow' }))).toBeInstanceOf(TransientError);
  });

  it('registers a classifier once', () => {
    let calls = 0;
    const counting: FailureClassifier = () => {
      calls++;
      return undefined;
    };
    const remove = registerFailureClassifier(counting);
    registerFailureClassifier(counting);
    try {
      toFailure(new Error('x'));
      expect(calls).toBe(1);
    } finally {
      remove();
    }
  });

  it('never asks classifiers about typed errors or non-errors', () => {
    const remove = registerFailureClassifier(() => {
      throw new Error('asked');
    });
    try {
      const typed = new ValidationError([]);
      expect(toFailure(typed)).toBe(typed);
      expect(toFailure('text')).toBeInstanceOf(TransientError);
    } finally {
      remove();
    }
  });
});
