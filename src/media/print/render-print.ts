import sharp from 'sharp';
import type { PrintPlan } from './print-size';

/**
 * Provider images are at most a few megapixels; anything far larger is not a generation we made
 * and decoding it would only cost memory (sharp's own default allows 268 MP).
 */
const SOURCE_PIXEL_LIMIT = 8192 * 8192;

const PRINT_JPEG_QUALITY = 90;

/**
 * The selected image scaled to exactly the plan's pixels, cropped from the centre when the
 * aspects differ (a print is never stretched), as a JPEG tagged with the plan's DPI.
 *
 * One sharp pipeline, so libvips streams the picture strip by strip on a libuv thread: no
 * decoded copy exists in JS and the event loop stays free.
 */
export async function renderPrintImage(source: Buffer, plan: PrintPlan): Promise<Buffer> {
  return (
    sharp(source, {
      limitInputPixels: SOURCE_PIXEL_LIMIT,
      // Otherwise an EXIF rotation would be kept as a tag on unrotated pixels, and viewers would
      // turn a 10800 x 5400 print into 5400 x 10800.
      autoOrient: true,
    })
      .resize(plan.widthPx, plan.heightPx, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      // Also embeds an sRGB profile, which print shops need to reproduce the colours.
      .withMetadata({ density: plan.dpi })
      .jpeg({
        quality: PRINT_JPEG_QUALITY,
        chromaSubsampling: '4:4:4',
        mozjpeg: false,
        // Optimised Huffman tables need libjpeg to buffer every coefficient of the image before
        // writing (about 6 bytes a pixel at 4:4:4: 3.9 GB for 240 x 120 in). Without them the
        // encoder streams, for files about 8% larger.
        optimiseCoding: false,
      })
      .toBuffer()
  );
}
