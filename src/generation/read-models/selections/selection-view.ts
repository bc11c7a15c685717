import type { PrintAssetsProduced } from '../../domain/selection-events';

export interface SelectionRow {
  readonly print_image: PrintAssetsProduced['data']['printImage'];
  readonly pdf: PrintAssetsProduced['data']['pdf'];
  readonly dpi: number;
}

/** A selection as the API shows it (`POST /v1/generations/{id}/selection`). */
export interface SelectionView {
  readonly generationId: string;
  readonly dpi: number;
  readonly printImage: {
    readonly url: string;
    readonly width: number;
    readonly height: number;
    readonly mimeType: string;
  };
  readonly pdf: {
    readonly url: string;
    readonly widthInches: number;
    readonly heightInches: number;
    readonly pages: 1;
  };
}

export function toSelectionView(generationId: string, row: SelectionRow): SelectionView {
  return {
    generationId,
    dpi: Number(row.dpi),
    printImage: {
      url: row.print_image.url,
      width: row.print_image.width,
      height: row.print_image.height,
      mimeType: row.print_image.mimeType,
    },
    pdf: {
      url: row.pdf.url,
      widthInches: Number(row.pdf.widthInches),
      heightInches: Number(row.pdf.heightInches),
      pages: row.pdf.pages,
    },
  };
}
