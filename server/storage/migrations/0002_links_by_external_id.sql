-- A parent that is not found under the push's own source is looked for under other sources
-- (to warn that cross-source parents are refused, SPEC 4.5). Without this index that look-up
-- walks every link of the project: measured on 1,000,000 links, see docs/performance.md.
-- `source` is in the index so the look-up never touches the table.
CREATE INDEX task_links_by_external_id ON task_links (project_id, external_id, source);
