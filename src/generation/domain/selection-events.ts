/** A user picked a generation for print, at a size (on the generation's stream). */
export type ImageSelected = {
  readonly type: 'ImageSelected';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly widthInches: number;
    readonly heightInches: number;
    readonly dpi: number;
    readonly selectedAt: string;
  };
};

export interface PrintFile {
  readonly url: string;
  readonly publicId: string;
  readonly bytes: number;
}

/** The print image (exactly inches x DPI pixels) and the PDF of the same physical size. */
export type PrintAssetsProduced = {
  readonly type: 'PrintAssetsProduced';
  readonly data: {
    readonly generationId: string;
    readonly userId: string;
    readonly widthInches: number;
    readonly heightInches: number;
    readonly dpi: number;
    readonly printImage: PrintFile & {
      readonly width: number;
      readonly height: number;
      readonly mimeType: 'image/jpeg';
    };
    readonly pdf: PrintFile & { readonly widthInches: number; readonly heightInches: number; readonly pages: 1 };
    readonly producedAt: string;
  };
};

export type SelectionEvent = ImageSelected | PrintAssetsProduced;
