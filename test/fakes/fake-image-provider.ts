import {
  FakeServer,
  MALFORMED_REPLY,
  type FakeReply,
  type FakeRequest,
  type Fault,
  type FaultScope,
} from './fake-server';

/**
 * Faults of the request that does the work (OpenAI's POST /v1/images/generations, fal's result
 * fetch): `work-then-drop` makes and bills the image, then destroys the connection instead of
 * answering; `work-then-late` makes and bills it, and answers after `delayMs`.
 */
export type WorkFault = ({ kind: 'work-then-drop' } | { kind: 'work-then-late'; delayMs: number }) & {
  scope?: FaultScope;
};

export type ImageFault = Fault | WorkFault;

/** One image the fake provider made and would invoice. */
export interface BillEntry {
  /** The provider's id for the call, as its answer (or the answer it never sent) carries it. */
  readonly requestId: string;
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly quality?: string;
  readonly at: Date;
}

/**
 * A fake image provider keeps its own bill, as the real one invoices: an entry for every image it
 * made, whether its answer arrived, arrived late or was dropped. Status-code faults make nothing
 * and bill nothing; a `malformed` fault makes the image and bills it, then breaks the body.
 */
export abstract class FakeImageProvider<F extends { kind: string; scope?: FaultScope } = ImageFault> extends FakeServer<
  F | WorkFault
> {
  private readonly entries: BillEntry[] = [];

  /** Every image billed since the start or the last reset, oldest first. */
  get bill(): readonly BillEntry[] {
    return this.entries;
  }

  override reset(): void {
    super.reset();
    this.entries.length = 0;
  }

  /** Bills an image, unless its request came before the last reset (the reset forgot it). */
  protected charge(entry: Omit<BillEntry, 'at'>, requestEpoch = this.epoch): void {
    if (requestEpoch === this.epoch) this.entries.push({ ...entry, at: new Date() });
  }

  /** Applies a queued work fault, if any, to the answer of a request whose work is done and billed. */
  protected afterWork(reply: FakeReply): FakeReply {
    const fault = this.takeFault('api', (f) => f.kind === 'work-then-drop' || f.kind === 'work-then-late') as
      | WorkFault
      | undefined;
    if (fault?.kind === 'work-then-drop') return { ...reply, dropConnection: true };
    if (fault?.kind === 'work-then-late') return { ...reply, delayMs: fault.delayMs };
    return reply;
  }

  /** The answer's status line and headers arrive (its request id with them); its body breaks off. */
  protected override async malformedReply(req: FakeRequest): Promise<FakeReply> {
    const reply = await this.handle(req);
    return { ...MALFORMED_REPLY, headers: { ...reply.headers, ...MALFORMED_REPLY.headers } };
  }
}
