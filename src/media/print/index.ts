export { planPrint, PRINT_DPI, type PrintPlan, type PrintSizeRequest } from './print-size';
export { renderPrintImage } from './render-print';
export { renderPrintPdf, type PrintPdfMeta } from './render-pdf';
export { producePrintAssets, type PrintAssets } from './print-assets';
export { PrintRenderer, type PrintRenderLimits, type ProducePrint, type RenderSlot } from './print-renderer';
