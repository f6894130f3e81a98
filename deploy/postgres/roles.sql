-- Roles for a production PostgreSQL database of Xuncha.
--
-- Two roles: the OWNER runs migrations and owns every table; the APP role is
-- what `xuncha serve` connects as. The app role owns no table, is not a
-- superuser and has no BYPASSRLS, so the row-level security policies that
-- `xuncha migrate` puts on every tenant table bind it.
--
-- Run as a superuser, then set
--   XUNCHA_DATABASE_ADMIN_URL=postgresql://xuncha_owner:...@host:5432/xuncha
--   XUNCHA_DATABASE_URL=postgresql://xuncha_app:...@host:5432/xuncha
-- and run `xuncha migrate` (it grants the app role what it needs).

CREATE ROLE xuncha_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE xuncha_app LOGIN PASSWORD 'change-me-app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE xuncha OWNER xuncha_owner ENCODING 'UTF8' TEMPLATE template0;
\connect xuncha
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO xuncha_owner;
GRANT USAGE ON SCHEMA public TO xuncha_app;
