/** One page of a list, as list endpoints return it. */
export interface Page<T> {
  items: T[];
  page: {
    mode: 'offset' | 'cursor';
    limit: number;
    /** Offset mode only: the page number, the total number of rows and of pages. */
    number?: number;
    total?: number;
    pages?: number;
    hasMore: boolean;
    /** Pass as `?cursor=` for the next page (in either mode); null on the last page. */
    next: string | null;
  };
}
