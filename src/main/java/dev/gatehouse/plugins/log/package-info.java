/** Log plugins: {@code http-log} (batched POSTs to a collector) and {@code file-log} (JSON lines to a file). */
@NullMarked
package dev.gatehouse.plugins.log;

import org.jspecify.annotations.NullMarked;
