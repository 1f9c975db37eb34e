// Exports and the notice that tells where the file went.
import { commands, type ExportFormat } from "./bindings";
import { message, type Message } from "./i18n/index.svelte";

export const exportNotice = $state<{ text: Message | null }>({ text: null });

export async function exportRecords(ids: string[], format: ExportFormat): Promise<void> {
  try {
    const done = await commands.exportRecords(ids, format);
    exportNotice.text = message("export.saved", { count: done.records, path: done.path });
  } catch {
    exportNotice.text = message("export.failed");
  }
}
