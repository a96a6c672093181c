@NullMarked
package dev.gatehouse.proxy;

import org.jspecify.annotations.NullMarked;
