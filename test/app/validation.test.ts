/**
 * The validator settings (validation.ts), each one observable: bodies are never coerced
 * while query strings and path params are; unknown fields are refused, not stripped;
 * schema defaults are filled in; validation stops at the first error; unknown keywords do
 * not throw; e-mail, date-time and canonical-only UUID formats. The property tests
 * (validators.property.test.ts) drive the routes' real schemas through the same Ajv.
 */
import { describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the shared Ajv options (set when the module loads) are part of
// what each test pins.
const validation = freshModuleEachTest(() => import('../../app/src/validation'));

const integerField = { type: 'object', properties: { n: { type: 'integer' } } };

describe('createAjv', () => {
  it('body: "1" stays a string and fails an integer field', () => {
    const validate = validation().createAjv('body').compile(integerField);
    const data = { n: '1' };
    expect(validate(data)).toBe(false);
    expect(data.n).toBe('1');
  });

  it('other (query, params): "1" is coerced to the integer 1', () => {
    const validate = validation().createAjv('other').compile(integerField);
    const data: { n: unknown } = { n: '1' };
    expect(validate(data)).toBe(true);
    expect(data.n).toBe(1);
  });

  it.each(['body', 'other'] as const)('%s: an unknown field is refused and left in place, never silently dropped', (part) => {
    const validate = validation().createAjv(part).compile({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
    const data = { a: 'x', extra: 'y' };
    expect(validate(data)).toBe(false);
    expect(data).toEqual({ a: 'x', extra: 'y' });
  });

  it.each(['body', 'other'] as const)('%s: a missing field with a default gets the default', (part) => {
    const validate = validation().createAjv(part).compile({ type: 'object', properties: { limit: { type: 'integer', default: 20 } } });
    const data: { limit?: number } = {};
    expect(validate(data)).toBe(true);
    expect(data.limit).toBe(20);
  });

  it('stops at the first error (one error reported for two bad fields)', () => {
    const validate = validation().createAjv('body').compile({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } });
    expect(validate({ a: 1, b: 2 })).toBe(false);
    expect(validate.errors).toHaveLength(1);
  });

  it('is not strict: a schema with an unknown keyword compiles', () => {
    expect(() => validation().createAjv('body').compile({ type: 'string', example: 'x', 'x-internal': true })).not.toThrow();
  });

  it('formats: email and date-time are checked', () => {
    const ajv = validation().createAjv('body');
    const email = ajv.compile({ type: 'string', format: 'email' });
    const dateTime = ajv.compile({ type: 'string', format: 'date-time' });
    expect([email('a@example.com'), email('not-an-email')]).toEqual([true, false]);
    expect([dateTime('2026-12-02T09:30:00Z'), dateTime('2026-12-02')]).toEqual([true, false]);
  });

  it('uuid: canonical 8-4-4-4-12 hex text in either case, not urn:uuid or braces', () => {
    const uuid = validation().createAjv('other').compile({ type: 'string', format: 'uuid' });
    expect(uuid('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true);
    expect(uuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe(true);
    expect(uuid('urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(false);
    expect(uuid('{0f8fad5b-d9cb-469f-a165-70867728950e}')).toBe(false);
    expect(uuid('0f8fad5bd9cb469fa16570867728950e')).toBe(false);
  });
});

describe('createValidatorCompiler', () => {
  it('compiles body schemas without coercion and every other part with it', () => {
    const compile = validation().createValidatorCompiler();
    const body = compile({ schema: integerField, httpPart: 'body', method: 'POST', url: '/' }) as (data: unknown) => boolean;
    const querystring = compile({ schema: integerField, httpPart: 'querystring', method: 'GET', url: '/' }) as (data: unknown) => boolean;
    const params = compile({ schema: integerField, httpPart: 'params', method: 'GET', url: '/' }) as (data: unknown) => boolean;
    expect([body({ n: '1' }), querystring({ n: '1' }), params({ n: '1' })]).toEqual([false, true, true]);
  });
});
