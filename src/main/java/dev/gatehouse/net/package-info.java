/** Network value types with no dependencies, shared by the configuration model and plugins. */
@NullMarked
package dev.gatehouse.net;

import org.jspecify.annotations.NullMarked;
