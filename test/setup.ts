import { afterEach } from 'vitest';
import { killLeftovers } from './e2e/children.js';

// Every test file: no CLI process outlives the test that started it, pass or fail.
afterEach(killLeftovers);
