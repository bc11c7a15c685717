import { setImmediate } from 'node:timers/promises';
import { PDFDocument, PDFRawStream, PDFStream, type PDFDict } from 'pdf-lib';
import type { PrintPlan } from './print-size';

export interface PrintPdfMeta {
  /** The generation's prompt. */
  readonly title: string;
  /** Stamped as the creation and modification date, so the same print gives the same bytes. */
  readonly createdAt: Date;
}

const PRODUCER = 'genledger';

/**
 * One page of exactly the plan's size with the print JPEG drawn full-bleed. pdf-lib embeds a
 * JPEG as-is (a DCTDecode stream; it reads only the header), so the picture is never decoded.
 */
export async function renderPrintPdf(jpeg: Buffer, plan: PrintPlan, meta: PrintPdfMeta): Promise<Buffer> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(meta.title);
  doc.setProducer(PRODUCER);
  doc.setCreator(PRODUCER);
  doc.setCreationDate(meta.createdAt);
  doc.setModificationDate(meta.createdAt);

  const image = await doc.embedJpg(ownArrayBuffer(jpeg));
  const page = doc.addPage([plan.widthPt, plan.heightPt]);
  page.drawImage(image, { x: 0, y: 0, width: plan.widthPt, height: plan.heightPt });

  await image.embed();
  const embedded = doc.context.lookup(image.ref);
  if (!(embedded instanceof PDFRawStream)) throw new Error('pdf-lib embedded the JPEG as an unexpected object');
  const picture = new DeferredContentsStream(embedded.dict, embedded.contents);
  doc.context.assign(image.ref, picture);

  const bytes = await doc.save();
  await picture.fillContents(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * pdf-lib reads the JPEG header through a DataView over `bytes.buffer` from offset 0, so a
 * Buffer that is a slice of a larger one (Node's pool, a subarray) would be misread.
 */
function ownArrayBuffer(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 ? bytes : new Uint8Array(bytes);
}

const STREAM_START = Buffer.from('\nstream\n', 'latin1');
const STREAM_END = Buffer.from('\nendstream', 'latin1');
const FILL_SLICE_BYTES = 1024 * 1024;

/**
 * The JPEG is the whole weight of the PDF (90-140 MB for 240 x 120 in), and pdf-lib 1.17 copies
 * stream contents synchronously, one byte at a time: about a second of blocked event loop. This
 * stream leaves a hole for its contents when pdf-lib serialises the document, and fills it
 * afterwards in slices, yielding between them; the bytes are the same as pdf-lib's own.
 */
class DeferredContentsStream extends PDFStream {
  private contentsOffset: number | undefined;

  constructor(
    dict: PDFDict,
    private readonly contents: Uint8Array,
  ) {
    super(dict);
  }

  override getContents(): Uint8Array {
    return this.contents;
  }

  override getContentsSize(): number {
    return this.contents.length;
  }

  override copyBytesInto(buffer: Uint8Array, offset: number): number {
    this.updateDict();
    let at = offset + this.dict.copyBytesInto(buffer, offset);
    buffer.set(STREAM_START, at);
    at += STREAM_START.length;
    this.contentsOffset = at;
    at += this.contents.length;
    buffer.set(STREAM_END, at);
    at += STREAM_END.length;
    return at - offset;
  }

  async fillContents(document: Uint8Array): Promise<void> {
    if (this.contentsOffset === undefined) throw new Error('the PDF was saved without the print image');
    for (let from = 0; from < this.contents.length; from += FILL_SLICE_BYTES) {
      if (from > 0) await setImmediate();
      document.set(this.contents.subarray(from, from + FILL_SLICE_BYTES), this.contentsOffset + from);
    }
  }
}
