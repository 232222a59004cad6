"""Progress of a drive: the rollup figures, the dashboard, the circulation notice and the rollup API."""
