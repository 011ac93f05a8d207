-- Prepares GridGov's database for the two roles (idempotent); run as a superuser,
-- connected to that database, after roles.sql:
--   psql -d gridgov -v owner=gridgov_owner -v app=gridgov_app -f scripts/db/database.sql
-- PostGIS needs a superuser once. The owner role becomes the owner of the database and
-- of every object a superuser created in it before (a database migrated as postgres);
-- the application role may connect and use temporary tables. Its privileges on the
-- tables are set by `manage.py migrate` (governance/dbroles.py app_role_grant).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS postgis;

SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app')
\gexec
-- PostgreSQL < 15 lets everyone create tables in "public".
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"app";

-- Adopt what another role created (extension members stay with the extension; serial
-- and identity sequences follow their table).
SELECT format('ALTER SCHEMA %I OWNER TO %I', nspname, :'owner') FROM pg_namespace
WHERE nspname = 'scratch' AND nspowner <> :'owner'::regrole \gexec

SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                             ELSE 'TABLE' END,
              c.oid::regclass, :'owner')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('public', 'scratch') AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND c.relowner <> :'owner'::regrole
  AND NOT (n.nspname = 'scratch' AND c.relowner = :'app'::regrole)  -- its staging tables
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid
                  AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
\gexec

SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proowner <> :'owner'::regrole
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
\gexec
