/**
 * The Admin API and the status endpoints, on listeners of their own: reads the running snapshot and the metrics,
 * and changes the configuration only through {@link dev.gatehouse.admin.GatewayControl} (validate, compile, swap,
 * persist). Never touches proxy internals.
 */
@NullMarked
package dev.gatehouse.admin;

import org.jspecify.annotations.NullMarked;
