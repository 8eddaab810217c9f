'use strict';
const { Pool } = require('pg');

// A connection pool when DATABASE_URL is set; the API keeps notes in memory otherwise.
const pool = process.env.DATABASE_URL ? new Pool({ connectionString: process.env.DATABASE_URL }) : null;

module.exports = { pool };
