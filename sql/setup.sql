-- Runs first: every later suite uses the extension created here.
CREATE EXTENSION openface;
