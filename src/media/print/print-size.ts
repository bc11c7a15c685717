import { DomainError } from '../../common/domain-error';

/** API.md "selection": prints are rendered at this density, each side 1-240 inches. */
export const PRINT_DPI = 150;
const MIN_PRINT_INCHES = 1;
const MAX_PRINT_INCHES = 240;
const DEFAULT_PRINT_WIDTH_INCHES = 24;
const POINTS_PER_INCH = 72;

export interface PrintSizeRequest {
  readonly widthInches?: number;
  readonly heightInches?: number;
  /** Pixel size of the selected image, which gives the aspect of an omitted side. */
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly dpi?: number;
  /** Largest output (width x height pixels) the caller is prepared to render. */
  readonly maxPixels: number;
}

export interface PrintPlan {
  readonly widthInches: number;
  readonly heightInches: number;
  readonly dpi: number;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly widthPt: number;
  readonly heightPt: number;
}

interface FieldError {
  readonly field: 'widthInches' | 'heightInches';
  readonly message: string;
}

/**
 * Sizes are handled in hundredths of an inch so that 13.71 in is exactly 1371 and the pixel size
 * is rounded once, from an exact product, instead of from a binary fraction like 13.709999.
 */
export function planPrint(request: PrintSizeRequest): PrintPlan {
  const dpi = request.dpi ?? PRINT_DPI;
  const aspect = request.imageHeight / request.imageWidth;
  const errors: FieldError[] = [];

  const givenWidth = hundredthsOf('widthInches', request.widthInches, errors);
  const givenHeight = hundredthsOf('heightInches', request.heightInches, errors);
  if (errors.length > 0) throw invalid(errors);

  let widthHundredths: number;
  let heightHundredths: number;
  if (givenWidth !== undefined && givenHeight !== undefined) {
    widthHundredths = givenWidth;
    heightHundredths = givenHeight;
  } else if (givenHeight !== undefined) {
    heightHundredths = givenHeight;
    widthHundredths = checkDerived('widthInches', Math.round(heightHundredths / aspect), errors);
  } else {
    widthHundredths = givenWidth ?? DEFAULT_PRINT_WIDTH_INCHES * 100;
    heightHundredths = checkDerived('heightInches', Math.round(widthHundredths * aspect), errors);
  }
  if (errors.length > 0) throw invalid(errors);

  const widthPx = Math.round((widthHundredths * dpi) / 100);
  const heightPx = Math.round((heightHundredths * dpi) / 100);
  const pixels = widthPx * heightPx;
  if (pixels > request.maxPixels) {
    const message =
      `${widthHundredths / 100} x ${heightHundredths / 100} in at ${dpi} DPI is ${widthPx} x ${heightPx} = ` +
      `${pixels} pixels, over the limit of ${request.maxPixels} pixels`;
    throw invalid([
      { field: 'widthInches', message },
      { field: 'heightInches', message },
    ]);
  }

  return {
    widthInches: widthHundredths / 100,
    heightInches: heightHundredths / 100,
    dpi,
    widthPx,
    heightPx,
    widthPt: (widthHundredths * POINTS_PER_INCH) / 100,
    heightPt: (heightHundredths * POINTS_PER_INCH) / 100,
  };
}

/** The size in hundredths of an inch, or undefined when omitted or invalid. */
function hundredthsOf(
  field: FieldError['field'],
  inches: number | undefined,
  errors: FieldError[],
): number | undefined {
  if (inches === undefined) return undefined;
  const hundredths = Math.round(inches * 100);
  const isHundredths = Number.isFinite(inches) && Math.abs(inches * 100 - hundredths) < 1e-6;
  if (!isHundredths || !inRange(hundredths)) {
    errors.push({
      field,
      message: `must be a number from ${MIN_PRINT_INCHES} to ${MAX_PRINT_INCHES} inches with at most 2 decimals`,
    });
    return undefined;
  }
  return hundredths;
}

function checkDerived(field: FieldError['field'], hundredths: number, errors: FieldError[]): number {
  if (!inRange(hundredths)) {
    errors.push({
      field,
      message:
        `the image's aspect gives ${hundredths / 100} inches, outside ${MIN_PRINT_INCHES}-${MAX_PRINT_INCHES}; ` +
        `give ${field} explicitly`,
    });
  }
  return hundredths;
}

function inRange(hundredths: number): boolean {
  return hundredths >= MIN_PRINT_INCHES * 100 && hundredths <= MAX_PRINT_INCHES * 100;
}

function invalid(errors: readonly FieldError[]): DomainError {
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new DomainError('validation_failed', summary, { errors });
}
