/** Cosine similarity at or above which a semantic hit is served (tenant setting `cache.semantic.threshold`). */
export const DEFAULT_THRESHOLD = 0.95;
/** Embedding model for questions (tenant setting `cache.semantic.embedding_model`). */
export const DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small";
/** Embedding width for the index: text-embedding-3 models shorten vectors natively (`dimensions`). */
export const EMBEDDING_DIMENSIONS = 256;
