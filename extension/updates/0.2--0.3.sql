-- openface 0.2 -> 0.3; the build appends parts/90_comments.sql (descriptions
-- of every object).  Released scripts (openface--0.2.sql, openface--0.1--0.2.sql)
-- are frozen: every SQL change from here on goes here and into parts/.
\echo Use "ALTER EXTENSION openface UPDATE TO '0.3'" to load this file. \quit
