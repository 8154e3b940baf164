-- Indexes built after a run's load, by sorting: their keys arrive in no useful order, and
-- kept up row by row they would touch pages all over the index (measured slower at 1 GB).
CREATE INDEX IF NOT EXISTS connections_domain ON connections (domain, direction);
