"""Every name an index directory holds on disk, and the format version of the generations in it.

```
ROOT/
  CURRENT                   the name of the published generation (written as .CURRENT.tmp, then renamed)
  .build.lock               held by the build (or rollback) that is writing ROOT
  generations/
    .staging-NAME/          a generation being written; a dead build's is removed by the next one
    NAME/                   e.g. 000042-20261128T021500Z
      manifest.json         written last: a generation with a manifest is complete
      chunks.sqlite3        documents, sections and chunks
      vectors.npy           the exact vectors, row i = chunk row id i
      vectors.hnsw          the HNSW graph over them, for large generations only
      bm25/                 the BM25 index
      PUBLISHED             present once the generation has been current
```
"""

FORMAT_VERSION = 4  # 2: BM25 index in bm25/; 3: exact vectors in vectors.npy, HNSW graph when large;
# 4: printed page labels (chunks.page_label, the pages table)

# in the index root
CURRENT_FILE = "CURRENT"
CURRENT_TEMP = f".{CURRENT_FILE}.tmp"
LOCK_FILE = ".build.lock"
GENERATIONS_DIR = "generations"
STAGING_PREFIX = ".staging-"  # + the generation's name, inside GENERATIONS_DIR

# in a generation directory
MANIFEST_FILE = "manifest.json"
STORE_FILE = "chunks.sqlite3"
VECTORS_FILE = "vectors.npy"
GRAPH_FILE = "vectors.hnsw"
LEXICAL_DIR = "bm25"
PUBLISHED_MARK = "PUBLISHED"  # it has been current at least once
