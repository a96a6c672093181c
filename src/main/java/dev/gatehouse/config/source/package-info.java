@NullMarked
package dev.gatehouse.config.source;

import org.jspecify.annotations.NullMarked;
