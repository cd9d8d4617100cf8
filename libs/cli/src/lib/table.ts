export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  /** Numbers read best right-aligned. */
  readonly align?: 'left' | 'right';
}

/**
 * Rows as an aligned text table for people: a header line, then one line per row, columns
 * separated by two spaces, trailing spaces trimmed. Widths count code points, so `↑` and
 * `—` take one column as a terminal shows them.
 */
export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  const cells = [columns.map((column) => column.header), ...rows.map((row) => columns.map((column) => column.value(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => displayWidth(line[index]))));
  return cells.map((line) =>
    line
      .map((cell, index) => {
        const padding = ' '.repeat(widths[index] - displayWidth(cell));
        return columns[index].align === 'right' ? padding + cell : cell + padding;
      })
      .join('  ')
      .trimEnd(),
  );
}

function displayWidth(text: string): number {
  return [...text].length;
}
