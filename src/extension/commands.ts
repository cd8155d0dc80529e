/** Every command id in one place; package.json declares the same ids. */
export const enum Command {
  ScanWorkspace = 'preflight.scanWorkspace',
  FixAllInFile = 'preflight.fixAllInFile',
  ShowChecklist = 'preflight.showChecklist',
  ExportChecklist = 'preflight.exportChecklistMarkdown',
  ShowRuleDocs = 'preflight.showRuleDocs',
  PlaceCursor = 'preflight.placeCursor',
}
