import { useEffect, useState, type ReactNode } from 'react';

/** Rows drawn beyond the visible ones, so a fast scroll does not show gaps. */
const OVERSCAN = 10;

/**
 * A windowed list: only the rows in view (plus a margin) are in the DOM, whatever `count`
 * is, so 10,000 trials scroll as smoothly as 10. Rows have a fixed height.
 */
export function VirtualList({
  count,
  rowHeight,
  height,
  header,
  renderRow,
  onRangeChange,
}: {
  count: number;
  rowHeight: number;
  height: number;
  header: ReactNode;
  renderRow: (index: number) => ReactNode;
  onRangeChange: (first: number, last: number) => void;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  useEffect(() => onRangeChange(first, last), [first, last, onRangeChange]);
  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div key={index} className="virtual-row" style={{ transform: `translateY(${index * rowHeight}px)`, height: rowHeight }}>
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div className="virtual-list" style={{ height }} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)} data-testid="trials-scroller">
      <div className="virtual-header">{header}</div>
      <div className="virtual-body" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
