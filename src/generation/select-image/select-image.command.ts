import { Command } from '@nestjs/cqrs';
import type { SelectionView } from '../read-models/selections/selection-view';

/**
 * `POST /v1/generations/{id}/selection`: the chosen image as a 150 DPI print file and a PDF, at
 * the size asked for (or one derived from the image's aspect).
 */
export class SelectImage extends Command<SelectionView> {
  constructor(
    readonly userId: string,
    readonly generationId: string,
    readonly size: { readonly widthInches?: number; readonly heightInches?: number },
    readonly requestId: string,
  ) {
    super();
  }
}
