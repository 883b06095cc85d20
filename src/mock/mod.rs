//! An in-process Polar server for tests and examples (placeholder).
