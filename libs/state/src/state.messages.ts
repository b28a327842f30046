import { LatticeError } from '@lattice/core';
import { InvalidStateInputError } from './errors/invalid-state-input.error';

const list = (names: string[]) => (names.length ? names.join(', ') : '(none)');

/** Every error the state library raises on purpose: the thing, the cause, the fix. */
export const StateMessages = {
  streamIdInvalid: (streamId: unknown) =>
    new InvalidStateInputError(
      'LATTICE_STATE_STREAM_ID_INVALID',
      `Stream id ${JSON.stringify(streamId)} is not valid: use "<definition>" or "<definition>:<id>", ` +
        'where the id is 1 to 200 letters, digits or ".:@_-".',
    ),
  definitionUnknown: (streamId: string, name: string, known: string[], closest?: string) =>
    new InvalidStateInputError(
      'LATTICE_STATE_DEFINITION_UNKNOWN',
      `Stream "${streamId}" has no state definition named "${name}". Registered: ${list(known)}.` +
        (closest ? ` Did you mean "${closest}"?` : '') +
        " Add a @StateDefinition class to a module's providers or check the name.",
    ),
  eventTypeUnknown: (streamId: string, type: unknown, known: string[]) =>
    new InvalidStateInputError(
      'LATTICE_STATE_EVENT_UNKNOWN',
      `Stream "${streamId}" has no reducer for event type ${JSON.stringify(type)}. Known: ${list(known)}.`,
    ),
  payloadInvalid: (streamId: string, type: string, problems: string[]) =>
    new InvalidStateInputError(
      'LATTICE_STATE_PAYLOAD_INVALID',
      `The "${type}" event for stream "${streamId}" has an invalid payload: ${problems.join('; ')}.`,
      problems,
    ),
  payloadNotJson: (streamId: string, type: string, cause: unknown) =>
    new InvalidStateInputError(
      'LATTICE_STATE_PAYLOAD_NOT_JSON',
      `The "${type}" event for stream "${streamId}" cannot be stored: its payload is not JSON data (${String(cause)}).`,
    ),
  expectedVersionInvalid: (streamId: string, expected: unknown) =>
    new InvalidStateInputError(
      'LATTICE_STATE_EXPECTED_VERSION_INVALID',
      `Expected version ${JSON.stringify(expected)} for stream "${streamId}" is not valid: use a whole number ≥ 0 (0 = the stream must be new).`,
    ),
  versionSkipped: (streamId: string, expected: number, actual: number) =>
    new InvalidStateInputError(
      'LATTICE_STATE_VERSION_SKIPPED',
      `Expected version ${expected} for stream "${streamId}" is ahead of its actual version ${actual}: versions cannot be skipped. Nothing was appended.`,
    ),
  versionInvalid: (streamId: string, version: unknown) =>
    new InvalidStateInputError(
      'LATTICE_STATE_VERSION_INVALID',
      `Version ${JSON.stringify(version)} of stream "${streamId}" is not valid: use a whole number ≥ 0.`,
    ),
  noEvents: (streamId: string) =>
    new InvalidStateInputError(
      'LATTICE_STATE_NO_EVENTS',
      `Nothing to dispatch to stream "${streamId}": give an event { type, payload } or a list of them.`,
    ),
  duplicateDefinition: (name: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_STATE_DUPLICATE_DEFINITION',
      `Two state definitions, ${first} and ${second}, are named "${name}".`,
      'Rename one of them in @StateDefinition({ name }).',
    ),
  definitionNameInvalid: (name: string, owner: string) =>
    new LatticeError(
      'LATTICE_STATE_DEFINITION_NAME_INVALID',
      `State definition ${owner} has the name ${JSON.stringify(name)}; use a letter then up to 63 letters, digits, "_" or "-".`,
      'Change the name in @StateDefinition({ name }).',
    ),
  initialMissing: (owner: string) =>
    new LatticeError(
      'LATTICE_STATE_INITIAL_MISSING',
      `State definition ${owner} has no initial() method.`,
      'Add "initial(streamId: string): State { return … }" to the class.',
    ),
  mergeMissing: (owner: string) =>
    new LatticeError(
      'LATTICE_STATE_MERGE_MISSING',
      `State definition ${owner} uses conflicts: 'merge' but has no merge(base, mine, theirs) method.`,
      'Add the method, or choose another conflict strategy.',
    ),
  upcasterMissing: (streamId: string, type: string, from: number, to: number) =>
    new LatticeError(
      'LATTICE_STATE_UPCASTER_MISSING',
      `Stream "${streamId}" holds a "${type}" event of schema version ${from}, but the reducer expects version ${to} and no @Upcast('${type}', ${from}) method exists.`,
      `Add a method decorated with @Upcast('${type}', ${from}) that returns the payload of version ${from + 1}.`,
    ),
  storeNeedsDatabase: () =>
    new LatticeError(
      'LATTICE_STATE_SQL_NEEDS_DATABASE',
      "The 'sql' state store needs a database connection, but DatabaseModule is not imported.",
      'Import DatabaseModule.forRoot() in the application module, or choose another store.',
    ),
  storeClosed: (kind: string) =>
    new LatticeError(
      'LATTICE_STATE_STORE_CLOSED',
      `The ${kind} state store is closed (the application is shutting down).`,
      'Dispatch before shutdown starts, or wait for the next start.',
    ),
  corruptEvent: (streamId: string, detail: string) =>
    new LatticeError(
      'LATTICE_STATE_CORRUPT_EVENT',
      `An event of stream "${streamId}" could not be read: ${detail}.`,
      'The log was edited outside Lattice; restore it from a backup.',
    ),
  transactionNeedsSql: (streamId: string, kind: string) =>
    new LatticeError(
      'LATTICE_STATE_TRANSACTION_NEEDS_SQL',
      `Stream "${streamId}" lives in the ${kind} store, which cannot join a database transaction.`,
      "Append through StateOutbox from '@lattice/state/outbox' (it writes an outbox row in the transaction), or give the definition store: 'sql'.",
    ),
  transactionCommandUnsupported: (streamId: string) =>
    new InvalidStateInputError(
      'LATTICE_STATE_OUTBOX_COMMAND',
      `Stream "${streamId}" is not in the SQL store, so its events go through the outbox and are appended later; a command function cannot be decided now. Dispatch plain events { type, payload } instead.`,
    ),
  outboxNeedsTransaction: (streamId: string) =>
    new LatticeError(
      'LATTICE_STATE_OUTBOX_NEEDS_TRANSACTION',
      `StateOutbox.dispatch("${streamId}") was called outside a database transaction, so the events could not be tied to any row.`,
      'Call it inside a @Transactional() method or TransactionHost.run(), next to the rows it counts.',
    ),
} as const;
