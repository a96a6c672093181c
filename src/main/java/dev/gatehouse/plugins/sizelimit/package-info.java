@NullMarked
package dev.gatehouse.plugins.sizelimit;

import org.jspecify.annotations.NullMarked;
