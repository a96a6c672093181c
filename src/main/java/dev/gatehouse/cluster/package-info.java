/** Clients of shared stores (Redis today; PostgreSQL later) that plugins and the config store use. */
@NullMarked
package dev.gatehouse.cluster;

import org.jspecify.annotations.NullMarked;
