import type { PrintPlan } from './print-size';
import { renderPrintImage } from './render-print';
import { renderPrintPdf, type PrintPdfMeta } from './render-pdf';

export interface PrintAssets {
  readonly image: {
    readonly bytes: Buffer;
    readonly width: number;
    readonly height: number;
    readonly mimeType: 'image/jpeg';
  };
  readonly pdf: {
    readonly bytes: Buffer;
    readonly widthInches: number;
    readonly heightInches: number;
    readonly pages: 1;
  };
}

/** The print JPEG, then the PDF that wraps that same JPEG, so the picture is rendered once. */
export async function producePrintAssets(source: Buffer, plan: PrintPlan, meta: PrintPdfMeta): Promise<PrintAssets> {
  const jpeg = await renderPrintImage(source, plan);
  const pdf = await renderPrintPdf(jpeg, plan, meta);
  return {
    image: { bytes: jpeg, width: plan.widthPx, height: plan.heightPx, mimeType: 'image/jpeg' },
    pdf: { bytes: pdf, widthInches: plan.widthInches, heightInches: plan.heightInches, pages: 1 },
  };
}
