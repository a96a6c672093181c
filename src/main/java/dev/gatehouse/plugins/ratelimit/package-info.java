@NullMarked
package dev.gatehouse.plugins.ratelimit;

import org.jspecify.annotations.NullMarked;
