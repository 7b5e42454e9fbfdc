/** The reader role global-setup creates; tests that add tables of their own grant it SELECT on them. */
export const TEST_READER_ROLE = 'herald_reader'
export const TEST_READER_PASSWORD = 'herald_reader_test'
