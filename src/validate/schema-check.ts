import type { SourceDocument } from '../config/types.js';
import type { Diagnostic } from './diagnostic.js';

// Placeholder: replaced by the JSON Schema checks generated from src/options/.
export const checkCallsDocument = (_doc: SourceDocument): Diagnostic[] => [];
export const checkConfigDocument = (_doc: SourceDocument): Diagnostic[] => [];
